/**
 * How final a call status is, so a merge keeps the most final one whichever source said it and in whatever order
 * the observations arrive. Statuses have no enum (backend, Vapi and Twilio values mix): unknown values rank lowest
 * but are still shown as they are.
 *
 *   4  over:        ended, completed, failed, busy, no-answer, canceled/cancelled, not-found, deletion-failed
 *   3  live:        in-progress, forwarding, answered
 *   2  ringing:     ringing
 *   1  not started: queued, scheduled, initiated
 *   0  anything else, including Twilio's `unknown`
 */
const FINALITY: Record<string, number> = {
  ended: 4,
  completed: 4,
  failed: 4,
  busy: 4,
  'no-answer': 4,
  canceled: 4,
  cancelled: 4,
  'not-found': 4,
  'deletion-failed': 4,
  'in-progress': 3,
  forwarding: 3,
  answered: 3,
  ringing: 2,
  queued: 1,
  scheduled: 1,
  initiated: 1,
};

export const FINAL_STATUS_RANK = 4;

export function statusFinality(status: string | null): number {
  if (status === null) return -1;
  return FINALITY[status.toLowerCase()] ?? 0;
}

export function isOver(status: string | null): boolean {
  return statusFinality(status) === FINAL_STATUS_RANK;
}
