/**
 * Category and allowance names as the product says them ("AI Tools",
 * "Background AI"), not as a key would capitalize ("Ai tools"). Keys the
 * product does not name read as a sentence: "gpu_hours" → "Gpu hours".
 */
const LABELS: Record<string, string> = {
  agent_chat: 'Agent chat',
  ai_tools: 'AI Tools',
  workflows: 'Workflows',
  browser_sessions: 'Browser sessions',
  training: 'Training',
  inference: 'Inference',
  evaluation: 'Evaluation',
  storage: 'Storage',
  background_ai: 'Background AI',
  sandbox_runtime: 'Sandbox runtime',
  deployments: 'Deployments',
};

export function categoryLabel(key: string): string {
  if (key === '') return '(none)';
  return LABELS[key] ?? sentenceOf(key);
}

/** A key read as a sentence: "gpu_hours" → "Gpu hours", "pending_payment" → "Pending payment". */
export function sentenceOf(key: string): string {
  return key.charAt(0).toUpperCase() + key.slice(1).replaceAll('_', ' ');
}

/** Units are stored plural ("messages"); the singular a count of one reads with. */
const SINGULAR: Record<string, string> = {
  messages: 'message',
  runs: 'run',
  sessions: 'session',
  hours: 'hour',
  deployments: 'deployment',
  seats: 'seat',
  events: 'event',
  readings: 'reading',
  tokens: 'token',
  entries: 'entry',
};

export function singularUnit(unit: string): string {
  return SINGULAR[unit] ?? (/[^s]s$/.test(unit) ? unit.slice(0, -1) : unit);
}
