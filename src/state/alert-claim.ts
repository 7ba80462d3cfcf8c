/**
 * The jobs of one run (a matrix) see the same outage at the same time; only
 * one of them should tell people. A claim elects that one per subject (what
 * is being sent: the kind and the condition).
 */
export type ClaimResult =
  /** This job sends. */
  | { outcome: 'won'; key: string }
  /** Another job of this run sends (or sent) it. */
  | { outcome: 'lost'; key: string }
  /** The election could not be held (the service is down): send, a duplicate beats silence. */
  | { outcome: 'unknown'; key: string; why: string };

export interface AlertClaim {
  claim(subject: string): Promise<ClaimResult>;
}
