export declare const ROOT: string;
/** Path of an installed Electron binary, or null (never triggers a download). */
export declare function findElectronBinary(): string | null;
/** Electron's NODE_MODULE_VERSION, from node_modules/electron/abi_version. */
export declare function electronAbi(): string | null;
