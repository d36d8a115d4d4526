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
    case 'runway.low':
      return data.status === 'resolved'
        ? { subject: 'Credit runway back above your alert', text: `At the current pace the credit of ${org} no longer runs out within ${String(data.days)} days.\n` }
        : {
            subject: `Credits run out around ${String(data.run_out_date)}`,
            text: `At the current pace (${String(data.burn_per_day)} credits a day) the credit of ${org} runs out on ${String(data.run_out_date)}, within your ${String(data.days)}-day alert.\nBuy credits or turn on auto-recharge to keep usage running.\n`,
          };
    case 'grant.expiring':
      return data.status === 'resolved'
        ? { subject: 'Credit no longer expiring unused', text: `The credit of block ${String(data.block_id)} is no longer projected to expire unused.\n` }
        : {
            subject: `${String(data.amount)} credits expire unused on ${String(data.expires_at).slice(0, 10)}`,
            text: `At the current pace ${String(data.amount)} credits of grant ${String(data.grant_id)} in ${org} will expire unused at ${String(data.expires_at)}.\n`,
          };
    case 'usage.spike':
      return data.status === 'resolved'
        ? { subject: `Usage of ${String(data.subject)} back to normal`, text: `Usage of ${String(data.subject)} is no longer above ${String(data.factor)} × its 14-day median.\n` }
        : {
            subject: `Usage spike: ${String(data.subject)} used ${String(data.credits)} credits on ${String(data.date)}`,
            text: `${String(data.subject)} in ${org} used ${String(data.credits)} credits on ${String(data.date)}, more than ${String(data.factor)} × its trailing 14-day median of ${String(data.median)}.\n`,
          };
    case 'allocation.low':
      return data.status === 'resolved'
        ? { subject: `Allocation of ${String(data.subject)} back above ${String(data.level)} credits`, text: `${String(data.subject)} has ${String(data.remaining)} credits of its allocation left this cycle.\n` }
        : {
            subject: `Low allocation: ${String(data.subject)} has ${String(data.remaining)} credits left`,
            text: `${String(data.subject)} in ${org} has ${String(data.remaining)} of ${String(data.allocation)} credits left this cycle, below your alert level of ${String(data.level)}.\n`,
          };
    default:
      return { subject: `Tally notification: ${type}`, text: `${JSON.stringify(data, null, 2)}\n` };
  }
}
