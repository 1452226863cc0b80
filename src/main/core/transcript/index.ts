export {
  type TranscriptSource,
  formatTranscript,
  isNoTranscriptMarker,
  parseTranscript,
  parseTranscriptText,
  parseVapiMessages,
} from './parse';
