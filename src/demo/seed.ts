import { ManualClock } from '../clock.js';
import type { AppContext } from '../context.js';
import { DAY_MS } from '../domain/time.js';
import type { Actor } from '../actor.js';
import { ingestEvents, type EventInput } from '../modules/events/index.js';
import { createGrant } from '../modules/grants/index.js';
import { putPlatformMeter, type MeterInput } from '../modules/meters/index.js';
import { createOrg, listOrganizations } from '../modules/orgs/service.js';
import { Scheduler } from '../jobs/scheduler.js';
import { createGroup, createMember, updateGroup, updateSettings } from '../modules/allocations/index.js';
import { createRequest, decideRequest } from '../modules/requests/index.js';
import { setPassword } from '../modules/auth/index.js';
import { parseMicro } from '../domain/money.js';
import { nextPeriod } from '../domain/periods.js';
import { periodContaining } from '../domain/time.js';
import { putPlan } from '../modules/plan/index.js';
import { confirmPurchase, createPurchase } from '../modules/purchases/index.js';
import { createEndpoint, updateEndpoint } from '../modules/webhooks/index.js';
import { deliverDue } from '../modules/outbox/index.js';
import { startDemoReceiver } from './receiver.js';

export const DEMO_ORG = 'org_demo';
const PLATFORM: Actor = { kind: 'platform', label: 'demo-seed' };

const METERS: Record<string, MeterInput> = {
  agent_chat: { name: 'Agent chat', unit: 'messages', category: 'agent_chat', aggregation: 'count', unitPrice: parseMicro('0.4'), priceCurrency: 'credits' },
  ai_tools: { name: 'AI Tools', unit: 'runs', category: 'ai_tools', aggregation: 'count', unitPrice: parseMicro('1.5'), priceCurrency: 'credits' },
  workflows: { name: 'Workflows', unit: 'runs', category: 'workflows', aggregation: 'count', unitPrice: parseMicro('2'), priceCurrency: 'credits' },
  browser_sessions: { name: 'Browser sessions', unit: 'sessions', category: 'browser_sessions', aggregation: 'sum', unitPrice: parseMicro('0.05'), priceCurrency: 'usd' },
  gpu_training: {
    name: 'Training', unit: 'hours', category: 'training', aggregation: 'sum', unitPrice: parseMicro('1.2'), priceCurrency: 'usd',
    resourceClassPrices: { 't4-small': parseMicro('0.6'), 'a10g-medium': parseMicro('1.8'), 'a100-large': parseMicro('4.1') },
  },
  storage_gb: { name: 'Storage', unit: 'GB', category: 'storage', aggregation: 'latest', unitPrice: 0n, priceCurrency: 'usd' },
  deployments: { name: 'Deployments', unit: 'deployments', category: 'deployments', aggregation: 'latest', unitPrice: 0n, priceCurrency: 'usd' },
  sandbox_hours: { name: 'Sandbox runtime', unit: 'hours', category: 'background_ai', aggregation: 'sum', unitPrice: parseMicro('0.08'), priceCurrency: 'usd' },
};

/** The demo's people: [id, name, role, group key, individual monthly allocation or null for the pool]. */
export const DEMO_PEOPLE = [
  ['mem_ana', 'Ana Alvarez', 'owner', 'grp_research', '3000'],
  ['mem_ben', 'Ben Okafor', 'billing_admin', 'grp_product', '1500'],
  ['mem_chen', 'Chen Wei', 'manager', 'grp_research', '3000'],
  ['mem_dara', 'Dara Singh', 'member', 'grp_research', '1500'],
  ['mem_eli', 'Eli Novak', 'member', 'grp_product', null],
  ['mem_fatima', 'Fatima Haddad', 'member', 'grp_default', null],
] as const;
const USERS = DEMO_PEOPLE.map(([id]) => id);
export const demoEmail = (id: string): string => `${id.slice(4)}@northwind.example`;
/** Every demo person signs in with this password (the demo is for trying Tally, never for production). */
export const DEMO_PASSWORD = 'tally-demo';
/** The sign-ins `npm start` prints: an owner, a manager and a member. */
export const DEMO_SIGN_INS = ['mem_ana', 'mem_chen', 'mem_dara'].map((id) => {
  const person = DEMO_PEOPLE.find(([pid]) => pid === id)!;
  return { role: person[2], email: demoEmail(id), password: DEMO_PASSWORD };
});
const PROJECTS = ['search-ranker', 'support-bot', 'vision-qa'];
const CLASSES = ['t4-small', 'a10g-medium', 'a100-large'];

/** A small seeded PRNG so the demo is the same every time (mulberry32). */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Seeds the demo organization with 90 days of realistic history when the
 * database holds no organization yet. It runs the real services on a clock
 * that walks through those 90 days, so every figure is one the API made.
 */
export async function seedDemoIfEmpty(ctx: AppContext, announce: () => void = () => {}): Promise<{ orgId: string } | null> {
  const [any] = await listOrganizations({ ctx, after: undefined, limit: 1 });
  if (any) return null;
  announce();
  const realNow = ctx.clock.now();
  const start = new Date(Math.floor(realNow.getTime() / DAY_MS) * DAY_MS - 90 * DAY_MS);
  const clock = new ManualClock(start);
  // The simulated past sends no email: its notifications stay in the outbox.
  const sim: AppContext = { ...ctx, clock, mail: { ...ctx.mail, transport: null } };
  const rand = random(42);

  for (const [key, input] of Object.entries(METERS)) await putPlatformMeter({ ctx: sim, key, input });
  await createOrg({ ctx: sim, input: { id: DEMO_ORG, name: 'Northwind Labs', timezone: 'Europe/Amsterdam', creditFactor: parseMicro('10') } });
  await seedPeople(sim);

  const grant = (name: string, source: 'included' | 'purchased' | 'promotional', body: Record<string, unknown>) =>
    createGrant({ ctx: sim, orgId: DEMO_ORG, actor: 'demo-seed', input: { name, source, ...body } });
  await grant('Welcome credits', 'promotional', { amount: parseMicro('2000'), expiresAt: new Date(start.getTime() + 30 * DAY_MS), priority: 90 });
  await grant('Annual commitment', 'purchased', {
    disbursements: [0, 1, 2, 3].map((q) => ({
      amount: parseMicro('15000'),
      startsAt: new Date(start.getTime() + q * 91 * DAY_MS),
      expiresAt: new Date(start.getTime() + (q + 1) * 91 * DAY_MS + 30 * DAY_MS),
    })),
    priority: 60,
  });

  // Plan credits per calendar month of the organization (Amsterdam), so the
  // included card reads this month's grant only, from the month's first day;
  // next month's waits as pending.
  const zone = 'Europe/Amsterdam';
  const lastPeriod = nextPeriod(periodContaining(realNow, zone), zone);
  for (let p = periodContaining(start, zone), n = 1; p.key <= lastPeriod.key; p = nextPeriod(p, zone), n++) {
    const startsAt = p.startsAt < start ? start : p.startsAt;
    await grant(`Plan credits, ${p.key}`, 'included', { amount: parseMicro('8000'), startsAt, expiresAt: p.endsAt, priority: 20 });
  }
  await putPlan({
    ctx: sim,
    orgId: DEMO_ORG,
    input: {
      name: 'Team',
      limits: { credits_per_period: parseMicro('40000'), storage_gb: parseMicro('500'), deployments: parseMicro('10'), seats: parseMicro('50') },
      allowances: { background_ai: parseMicro('120'), sandbox_hours: parseMicro('150'), storage_gb: parseMicro('500') },
    },
  });

  const scheduler = new Scheduler(sim);
  let seq = 0;
  // 90 whole days, then today up to the current minute, so the open period is never empty
  for (let day = 0; day <= 90; day++) {
    const dayStart = start.getTime() + day * DAY_MS;
    const today = day === 90;
    // today's events fall before now; a past day's in its first 19 hours (UTC)
    const span = today ? Math.max(0, Math.min(19 * 3_600_000, realNow.getTime() - 60_000 - dayStart)) : 19 * 3_600_000;
    clock.set(today ? realNow : new Date(dayStart + 20 * 3_600_000));
    if (day === 55) await grant('Top-up', 'purchased', { amount: parseMicro('5000') });
    const events: EventInput[] = [];
    const busy = (day % 7 === 5 || day % 7 === 6 ? 0.4 : 1) * (0.7 + rand() * 0.6) * (span / (19 * 3_600_000));
    const add = (meter: string, count: number, make: () => Partial<EventInput>) => {
      for (let i = 0; i < count; i++) {
        const at = new Date(dayStart + Math.floor(rand() * span));
        events.push({ id: `demo-${seq++}`, org: DEMO_ORG, meter, quantity: parseMicro('1'), timestamp: at, user: pick(rand, USERS), ...make() });
      }
    };
    add('agent_chat', Math.round(60 * busy), () => ({}));
    add('sandbox_hours', Math.round(4 * busy), () => ({ quantity: parseMicro((0.2 + rand() * 1.5).toFixed(2)) }));
    add('ai_tools', Math.round(14 * busy), () => ({ project: pick(rand, PROJECTS) }));
    add('workflows', Math.round(6 * busy), () => ({ project: pick(rand, PROJECTS) }));
    add('browser_sessions', Math.round(8 * busy), () => ({ quantity: parseMicro(String(5 + Math.floor(rand() * 40))) }));
    add('gpu_training', Math.round(3 * busy), () => {
      const rc = pick(rand, CLASSES);
      const job = `job-${seq}`;
      return { resource_class: rc, project: pick(rand, PROJECTS), job_id: job, job_name: `train ${pick(rand, PROJECTS)} #${seq % 997}`, quantity: parseMicro((0.5 + rand() * 6).toFixed(2)) };
    });
    if (span === 0) continue;
    add('storage_gb', 1, () => ({ quantity: parseMicro((120 + day * 1.5).toFixed(1)), user: undefined }));
    add('deployments', 1, () => ({ quantity: parseMicro(String(3 + Math.floor(day / 20))), user: undefined }));
    await ingestEvents({ ctx: sim, actor: PLATFORM, events });
    await scheduler.runOnce();
  }
  await seedRequests(sim);
  await grant('Conference credits', 'promotional', {
    amount: parseMicro('500'),
    expiresAt: new Date(realNow.getTime() + 5 * DAY_MS),
    priority: 95,
  });
  await seedPurchasesAndWebhooks(sim);
  return { orgId: DEMO_ORG };
}

/** Settings, groups and members with allocations, through the real services. */
async function seedPeople(sim: AppContext): Promise<void> {
  const actor = PLATFORM;
  await updateSettings({
    ctx: sim,
    actor,
    orgId: DEMO_ORG,
    input: { creditsPerCycle: parseMicro('20000'), cycleCadence: 'calendar_month', creditsPerNewUser: 0n },
  });
  await updateGroup({ ctx: sim, actor, orgId: DEMO_ORG, groupId: 'grp_default', input: { monthlyAllocation: parseMicro('4000') } });
  const groups = [
    ['grp_research', 'Research', '9000', '500', '0'],
    ['grp_product', 'Product', '4000', '0', '300'],
  ] as const;
  const groupIds = new Map<string, string>([['grp_default', 'grp_default']]);
  for (const [key, name, monthly, extra, reserve] of groups) {
    const created = await createGroup({
      ctx: sim,
      actor,
      orgId: DEMO_ORG,
      input: { name, monthlyAllocation: parseMicro(monthly), extra: parseMicro(extra), autoApproveReserve: parseMicro(reserve) },
    });
    groupIds.set(key, created.id);
  }
  for (const [id, name, role, group, monthly] of DEMO_PEOPLE) {
    const groupId = groupIds.get(group)!;
    await createMember({
      ctx: sim,
      actor,
      orgId: DEMO_ORG,
      input: {
        id,
        email: demoEmail(id),
        name,
        role,
        groupId,
        monthly: monthly === null ? null : parseMicro(monthly),
        managedGroupIds: role === 'manager' ? [groupIds.get('grp_research')!] : [],
      },
    });
    await setPassword({ ctx: sim, actor, orgId: DEMO_ORG, memberId: id, password: DEMO_PASSWORD });
  }
  // Research grows past one page of its member list (10), from the shared pool
  for (const [i, name] of DEMO_EXTRA_PEOPLE.entries()) {
    const id = `mem_r${String(i + 1).padStart(2, '0')}`;
    await createMember({
      ctx: sim,
      actor,
      orgId: DEMO_ORG,
      input: { id, email: demoEmail(id), name, role: 'member', groupId: groupIds.get('grp_research')!, monthly: null, managedGroupIds: [] },
    });
  }
}

const DEMO_EXTRA_PEOPLE = [
  'Amara Osei', 'Bruno Costa', 'Carmen Ruiz', 'Daniel Berg', 'Elif Yilmaz', 'Felix Wagner',
  'Grace Kim', 'Hugo Martin', 'Ines Duarte', 'Jonas Lind', 'Keiko Sato', 'Liam Walsh',
];

/**
 * A paid and a pending purchase, and two webhook endpoints: one nothing listens
 * on (its deliveries fail and retry) and one the seed's loopback receiver
 * answers (its delivery of `purchase.paid` succeeds). The receiver lives only
 * while the seed runs, so that endpoint is disabled afterwards; its delivery
 * log keeps the delivered attempt.
 */
async function seedPurchasesAndWebhooks(sim: AppContext): Promise<void> {
  const actor = 'member:mem_ben';
  await createEndpoint({ ctx: sim, orgId: DEMO_ORG, actor, url: 'http://127.0.0.1:9/tally-hooks', events: ['grant.created', 'purchase.paid'], enabled: true });
  const receiver = await startDemoReceiver();
  try {
    const listening = await createEndpoint({ ctx: sim, orgId: DEMO_ORG, actor, url: receiver.url, events: ['purchase.paid'], enabled: true });
    receiver.accept(listening.secret);
    const paid = await createPurchase({ ctx: sim, orgId: DEMO_ORG, actor, amount: parseMicro('2500'), priceUsd: parseMicro('250'), idempotencyKey: 'demo-paid' });
    await confirmPurchase({ ctx: sim, orgId: DEMO_ORG, id: paid.body.id, actor: 'demo-seed', reference: 'ch_demo_paid' });
    await createPurchase({ ctx: sim, orgId: DEMO_ORG, actor, amount: parseMicro('1000'), priceUsd: parseMicro('100'), idempotencyKey: 'demo-pending' });
    await deliverDue(sim);
    await updateEndpoint({ ctx: sim, orgId: DEMO_ORG, actor, id: listening.id, patch: { enabled: false } });
  } finally {
    await receiver.close();
  }
}

/** Credit requests in every status, made and decided by the people who would. */
async function seedRequests(sim: AppContext): Promise<void> {
  const as = (memberId: string, role: 'owner' | 'billing_admin' | 'manager' | 'member'): Actor => ({
    kind: 'key',
    label: `member:${memberId}`,
    orgId: DEMO_ORG,
    keyId: 'demo',
    role,
    memberId,
  });
  const ask = (memberId: string, amount: string, reason: string) =>
    createRequest({ ctx: sim, actor: as(memberId, 'member'), orgId: DEMO_ORG, input: { memberId, amount: parseMicro(amount), reason } });
  await ask('mem_dara', '200', 'Finish the ablation runs before the review');
  await ask('mem_eli', '100', 'Extra browser sessions for the demo day');
  const approved = await ask('mem_fatima', '150', 'Support backlog after the launch');
  await decideRequest({
    ctx: sim, actor: as('mem_ben', 'billing_admin'), orgId: DEMO_ORG, requestId: approved.body.id,
    decision: { approve: true, amount: parseMicro('120'), note: 'Approved 120 for this month' },
  });
  const denied = await ask('mem_dara', '2000', 'Train the large model variant');
  await decideRequest({
    ctx: sim, actor: as('mem_chen', 'manager'), orgId: DEMO_ORG, requestId: denied.body.id,
    decision: { approve: false, note: 'Too large for this cycle; plan it for next month' },
  });
}

function pick<T>(rand: () => number, list: T[]): T {
  return list[Math.floor(rand() * list.length)]!;
}
