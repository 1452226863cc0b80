/**
 * The renderer's only way out: `window.ava`, exposed by the preload (Electron) or the preview shim (browser). Both are
 * built from the shared contract, so this type is the whole API.
 */
import type { AvaApi } from '../../shared/contract';

declare global {
  interface Window {
    readonly ava: AvaApi;
  }
}

export { unwrap } from '../../shared/errors';
export const ava = (): AvaApi => window.ava;
