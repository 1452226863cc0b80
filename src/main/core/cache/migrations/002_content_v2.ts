/**
 * Content v2 (cache/codec.ts): from this version on, `calls.content` may refer to the turns inside the Vapi JSON it
 * holds instead of keeping a copy of them, which an app that only reads content v1 cannot decode. The schema is
 * unchanged; the version tells such an app to refuse the file (`cache-too-new`) rather than fail on each call. Blobs
 * written before stay v1 and are read as they are.
 */
export const sql = `-- content v2: no schema change`;
