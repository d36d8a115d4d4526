import { countOf, creditsText } from '../../domain/display.js';

/** An amount of the message data as a person reads it ("96,999.5"); anything else as it is. */
const credits = (value: unknown): string => (typeof value === 'string' ? creditsText(value) : String(value));

/** Subject and plain text of the emails Tally sends. */
export function describeNotification(type: string, data: Record<string, unknown>): { subject: string; text: string } {
  const org = String(data.org_id ?? 'your organization');
  switch (type) {
    case 'balance.low':
      return {
        subject: `Low credit balance: ${credits(data.available)} credits left`,
        text:
          `The available credit of ${org} is ${credits(data.available)}, below your alert threshold of ${credits(data.level)} credits.\n` +
          'Buy credits or turn on auto-recharge to keep usage running.\n',
      };
    case 'balance.low_resolved':
      return {
        subject: `Credit balance back above ${credits(data.level)} credits`,
        text: `The available credit of ${org} is ${credits(data.available)} again, at or above your alert threshold of ${credits(data.level)} credits.\n`,
      };
    case 'cap.threshold':
      return {
        subject: `Spend cap ${String(data.scope)} at ${String(data.percent)}%: ${credits(data.used)} of ${credits(data.limit)} credits`,
        text:
          `The ${String(data.mode)} cap on ${String(data.scope)} in ${org} has used ${credits(data.used)} of its ${credits(data.limit)} credits ` +
          `in the window from ${String(data.window_start)} to ${String(data.window_end)} (${String(data.percent)}% reached).\n` +
          (data.mode === 'block' && data.reached === true ? 'Calls that would spend past it are refused until the window ends or the limit is raised.\n' : ''),
      };
    case 'auto_recharge.failed':
      return {
        subject: 'Auto-recharge payment failed',
        text:
          `An auto-recharge purchase of ${credits(data.amount)} credits for ${org} failed: ${String(data.reason ?? 'payment failed')}.\n` +
          'Auto-recharge tries again after its cooldown.\n',
      };
    case 'runway.low':
      return data.status === 'resolved'
        ? { subject: 'Credit runway back above your alert', text: `At the current pace the credit of ${org} no longer runs out within ${countOf(Number(data.days), 'day', 'days')}.\n` }
        : {
            subject: `Credits run out around ${String(data.run_out_date)}`,
            text: `At the current pace (${credits(data.burn_per_day)} credits a day) the credit of ${org} runs out on ${String(data.run_out_date)}, within your ${String(data.days)}-day alert.\nBuy credits or turn on auto-recharge to keep usage running.\n`,
          };
    case 'grant.expiring':
      return data.status === 'resolved'
        ? { subject: 'Credit no longer expiring unused', text: `The credit of block ${String(data.block_id)} is no longer projected to expire unused.\n` }
        : {
            subject: `${credits(data.amount)} credits expire unused on ${String(data.expires_at).slice(0, 10)}`,
            text: `At the current pace ${credits(data.amount)} credits of grant ${String(data.grant_id)} in ${org} will expire unused at ${String(data.expires_at)}.\n`,
          };
    case 'usage.spike':
      return data.status === 'resolved'
        ? { subject: `Usage of ${String(data.subject)} back to normal`, text: `Usage of ${String(data.subject)} is no longer above ${String(data.factor)} × its 14-day median.\n` }
        : {
            subject: `Usage spike: ${String(data.subject)} used ${credits(data.credits)} credits on ${String(data.date)}`,
            text: `${String(data.subject)} in ${org} used ${credits(data.credits)} credits on ${String(data.date)}, more than ${String(data.factor)} × its trailing 14-day median of ${credits(data.median)}.\n`,
          };
    case 'allocation.low':
      return data.status === 'resolved'
        ? { subject: `Allocation of ${String(data.subject)} back above ${credits(data.level)} credits`, text: `${String(data.subject)} has ${credits(data.remaining)} credits of its allocation left this cycle.\n` }
        : {
            subject: `Low allocation: ${String(data.subject)} has ${credits(data.remaining)} credits left`,
            text: `${String(data.subject)} in ${org} has ${credits(data.remaining)} of ${credits(data.allocation)} credits left this cycle, below your alert level of ${credits(data.level)}.\n`,
          };
    default:
      return { subject: `Tally notification: ${type}`, text: `${JSON.stringify(data, null, 2)}\n` };
  }
}
