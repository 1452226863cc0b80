/**
 * Edge schemas: what the app reads from Vapi, Twilio and the AVA backend, checked where the answer arrives so a
 * surprise becomes an `invalid-response` error instead of a crash deep inside. Each schema checks only the fields
 * the app uses, and keeps every other field as it came (loose objects), so the raw JSON can be stored whole.
 *
 * Validation is deliberately shallow where payloads are big (a Vapi call page can be 1,000 calls with long
 * transcripts): messages are checked to be an array, not item by item, and strings are not re-scanned.
 *
 * Exports: `VapiCallSchema`, `VapiCallListSchema`, `VapiAssistantSchema`, `VapiAssistantListSchema`,
 * `VapiPhoneNumberSchema`, `VapiPhoneNumberListSchema`, `TwilioAccountSchema`, `TwilioIncomingNumberSchema`,
 * `TwilioIncomingNumbersPageSchema`, `BackendTokenResponseSchema`, `BackendMeSchema`, `BackendCallSummarySchema`,
 * `BackendCallListSchema`, `BackendCallDetailSchema`, `BackendRecordingSchema`, `BackendHealthSchema`, and their
 * inferred types.
 */
import { z } from 'zod';

const str = z.string().nullish();
const num = z.number().nullish();
const obj = z.looseObject({}).nullish();
/** Numbers a Python backend may serialize as strings (Decimal). */
const numish = z.union([z.number(), z.string()]).nullish();

// ---------------------------------------------------------------------------------------------------------------
// Vapi

export const VapiServerSchema = z.looseObject({
  url: str,
  timeoutSeconds: num,
  credentialId: str,
  headers: z.record(z.string(), z.unknown()).nullish(),
  backoffPlan: obj,
});

export const VapiAssistantSchema = z.looseObject({
  id: z.string().min(1),
  orgId: str,
  name: str,
  createdAt: z.string(),
  updatedAt: z.string(),
  server: VapiServerSchema.nullish(),
  serverMessages: z.array(z.string()).nullish(),
  metadata: z.record(z.string(), z.unknown()).nullish(),
  model: obj,
  isServerUrlSecretSet: z.boolean().nullish(),
});
export type VapiAssistant = z.infer<typeof VapiAssistantSchema>;
export const VapiAssistantListSchema = z.array(VapiAssistantSchema);

export const VapiPhoneNumberSchema = z.looseObject({
  id: z.string().min(1),
  orgId: str,
  provider: str,
  number: str,
  name: str,
  status: str,
  assistantId: str,
  squadId: str,
  workflowId: str,
  twilioAccountSid: str,
  server: VapiServerSchema.nullish(),
  createdAt: str,
  updatedAt: str,
});
export type VapiPhoneNumber = z.infer<typeof VapiPhoneNumberSchema>;
export const VapiPhoneNumberListSchema = z.array(VapiPhoneNumberSchema);

export const VapiCallSchema = z.looseObject({
  id: z.string().min(1),
  orgId: str,
  createdAt: z.string(),
  updatedAt: z.string(),
  type: str,
  status: str,
  endedReason: str,
  startedAt: str,
  endedAt: str,
  cost: num,
  assistantId: str,
  phoneNumberId: str,
  customer: z
    .looseObject({
      number: str,
      name: str,
    })
    .nullish(),
  artifact: z
    .looseObject({
      transcript: str,
      messages: z.array(z.unknown()).nullish(),
      recording: obj,
      recordingUrl: str,
    })
    .nullish(),
  analysis: z
    .looseObject({
      summary: str,
    })
    .nullish(),
  // Undocumented top-level leftovers, read only as fallbacks.
  transcript: str,
  recordingUrl: str,
  summary: str,
});
export type VapiCall = z.infer<typeof VapiCallSchema>;
export const VapiCallListSchema = z.array(VapiCallSchema);

// ---------------------------------------------------------------------------------------------------------------
// Twilio

export const TwilioAccountSchema = z.looseObject({
  sid: z.string().regex(/^AC[0-9a-fA-F]{32}$/),
  friendly_name: str,
  status: str,
  type: str,
});
export type TwilioAccount = Omit<z.infer<typeof TwilioAccountSchema>, 'auth_token'>;

export const TwilioIncomingNumberSchema = z.looseObject({
  sid: z.string().min(1),
  phone_number: z.string().min(1),
  friendly_name: str,
  voice_url: str,
  sms_url: str,
  account_sid: str,
  status: str,
  capabilities: z.looseObject({ voice: z.boolean().nullish(), sms: z.boolean().nullish() }).nullish(),
});
export type TwilioIncomingNumber = z.infer<typeof TwilioIncomingNumberSchema>;

export const TwilioIncomingNumbersPageSchema = z.looseObject({
  incoming_phone_numbers: z.array(TwilioIncomingNumberSchema),
  next_page_uri: str,
});

// ---------------------------------------------------------------------------------------------------------------
// AVA backend

export const BackendUserPayloadSchema = z.looseObject({
  id: z.string().min(1),
  email: str,
  name: str,
});

export const BackendTokenResponseSchema = z.looseObject({
  access_token: z.string().min(1),
  refresh_token: z.string().min(1),
  token_type: str,
  expires_in: z.number().positive(),
  user: BackendUserPayloadSchema,
});
export type BackendTokenResponse = z.infer<typeof BackendTokenResponseSchema>;

export const BackendMeSchema = BackendUserPayloadSchema;
export type BackendMe = z.infer<typeof BackendMeSchema>;

export const BackendCallSummarySchema = z.looseObject({
  id: z.string().min(1),
  assistantId: str,
  customerNumber: str,
  status: str,
  startedAt: str,
  endedAt: str,
  durationSeconds: numish,
  cost: numish,
  transcriptPreview: str,
});
export type BackendCallSummary = z.infer<typeof BackendCallSummarySchema>;

export const BackendCallListSchema = z.looseObject({
  calls: z.array(BackendCallSummarySchema),
  total: z.number(),
});
export type BackendCallList = z.infer<typeof BackendCallListSchema>;

export const BackendCallDetailSchema = z.looseObject({
  id: z.string().min(1),
  assistantId: str,
  customerNumber: str,
  status: str,
  startedAt: str,
  endedAt: str,
  durationSeconds: numish,
  cost: numish,
  transcript: str,
  metadata: z.unknown(),
  recordingUrl: str,
});
export type BackendCallDetail = z.infer<typeof BackendCallDetailSchema>;

export const BackendRecordingSchema = z.looseObject({ recording_url: z.string().min(1) });

export const BackendHealthSchema = z.looseObject({ status: z.string() });
