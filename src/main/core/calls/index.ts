export {
  type CallFields,
  type CallObservation,
  type CallRecord,
  type ObservationSource,
  listFieldsOf,
  mergeCalls,
  mergeObservations,
  recordFromObservation,
  sortTimeOf,
} from './merge';
export {
  BACKEND_SCRUB_AFTER_MS,
  type ObserveOptions,
  observeBackendDetail,
  observeBackendSummary,
  observeVapiCall,
  sanitizeRaw,
} from './observe';
export { splitJsonArray } from './json-array';
export { FINAL_STATUS_RANK, isOver, statusFinality } from './status';
