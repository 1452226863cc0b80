/**
 * Constant lists the renderer needs at runtime. Kept free of zod so the renderer bundle does not carry the schema
 * library (the schemas live in `domain.ts` and `contract.ts`, used by main and the preload).
 */
export const LANGUAGES = ['en', 'fr'] as const;
export type Language = (typeof LANGUAGES)[number];
