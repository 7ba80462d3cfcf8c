import type { AlertMessage } from '../message.js';

/** What every webhook format takes and gives: the one contract of formats/*.ts, dispatched by index.ts. */
export interface FormatOptions {
  /** The webhook signing secret, for the services that sign (DingTalk, Feishu, json). */
  secret?: string;
  /** Signing time: services reject signatures more than an hour off their clock. */
  now: Date;
}

/** One request, ready to POST as JSON. */
export interface FormattedAlert {
  /** Query parameters to append to the webhook URL (DingTalk's signature). */
  query?: Record<string, string>;
  /** Extra request headers (the json format's signature). */
  headers?: Record<string, string>;
  body: object;
}

export type Formatter = (message: AlertMessage, opts: FormatOptions) => FormattedAlert;
