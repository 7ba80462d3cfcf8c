import type { WebhookFormat } from '../../config/config.js';
import type { AlertMessage } from '../message.js';
import type { FormatOptions, FormattedAlert, Formatter } from './formatted.js';
import { formatDingtalk } from './dingtalk.js';
import { formatDiscord } from './discord.js';
import { formatFeishu } from './feishu.js';
import { formatJson } from './json.js';
import { formatSlack } from './slack.js';
import { formatTeams } from './teams.js';
import { formatWecom } from './wecom.js';

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
