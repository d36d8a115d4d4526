/** Subject and plain text of the emails Tally sends. */
export function describeNotification(type: string, data: Record<string, unknown>): { subject: string; text: string } {
  const org = String(data.org_id ?? 'your organization');
  switch (type) {
    case 'balance.low':
      return {
        subject: `Low credit balance: ${String(data.available)} credits left`,
        text:
          `The available credit of ${org} is ${String(data.available)}, below your alert threshold of ${String(data.level)} credits.\n` +
          'Buy credits or turn on auto-recharge to keep usage running.\n',
      };
    case 'balance.low_resolved':
      return {
        subject: `Credit balance back above ${String(data.level)} credits`,
        text: `The available credit of ${org} is ${String(data.available)} again, at or above your alert threshold of ${String(data.level)} credits.\n`,
      };
    case 'cap.threshold':
      return {
        subject: `Spend cap ${String(data.scope)} at ${String(data.percent)}%: ${String(data.used)} of ${String(data.limit)} credits`,
        text:
          `The ${String(data.mode)} cap on ${String(data.scope)} in ${org} has used ${String(data.used)} of its ${String(data.limit)} credits ` +
          `in the window from ${String(data.window_start)} to ${String(data.window_end)} (${String(data.percent)}% reached).\n` +
          (data.mode === 'block' && data.reached === true ? 'Calls that would spend past it are refused until the window ends or the limit is raised.\n' : ''),
      };
    case 'auto_recharge.failed':
      return {
        subject: 'Auto-recharge payment failed',
        text:
          `An auto-recharge purchase of ${String(data.amount)} credits for ${org} failed: ${String(data.reason ?? 'payment failed')}.\n` +
          'Auto-recharge tries again after its cooldown.\n',
      };
    default:
      return { subject: `Tally notification: ${type}`, text: `${JSON.stringify(data, null, 2)}\n` };
  }
}
