import type { WebhookFormat } from '../../config/config.js';
import type { AlertMessage } from '../message.js';
import { formatDingtalk } from './dingtalk.js';
import { formatDiscord } from './discord.js';
import { formatFeishu } from './feishu.js';
import { formatJson } from './json.js';
import { formatSlack } from './slack.js';
import { formatTeams } from './teams.js';
import { formatWecom } from './wecom.js';

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

const FORMATTERS: Record<WebhookFormat, Formatter> = {
  slack: formatSlack,
  discord: formatDiscord,
  teams: formatTeams,
  dingtalk: formatDingtalk,
  feishu: formatFeishu,
  wecom: formatWecom,
  json: formatJson,
};

/** Render a message in the webhook service's own format, within its size limits. */
export function formatAlert(format: WebhookFormat, message: AlertMessage, opts: FormatOptions): FormattedAlert {
  return FORMATTERS[format](message, opts);
}
