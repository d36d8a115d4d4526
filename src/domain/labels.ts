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
  return LABELS[key] ?? key.charAt(0).toUpperCase() + key.slice(1).replaceAll('_', ' ');
}
