import { describe, expect, it } from 'vitest';
import { admit, groupFigures, memberRemaining, type MemberBudget } from '../src/domain/allocations.js';

const M = (monthly: number | null, extra: number, used: number, held = 0): MemberBudget => ({
  monthly: monthly === null ? null : BigInt(monthly),
  extra: BigInt(extra),
  used: BigInt(used),
  held: BigInt(held),
});
const group = { monthlyAllocation: 1000n, extra: 50n, autoApproveReserve: 30n, autoApproved: 10n };

describe('groupFigures', () => {
  it.each([
    { name: 'no members', members: [], distributed: 0n, available: 1050n },
    { name: 'individual allocations are distributed', members: [M(300, 0, 25), M(200, 10, 0)], distributed: 510n, available: 540n },
    { name: 'pooled usage comes out of the pool', members: [M(null, 0, 40)], distributed: 0n, available: 1010n },
    { name: 'a pooled member spends their own extra first', members: [M(null, 20, 30)], distributed: 20n, available: 1020n },
    { name: 'holds count like usage', members: [M(null, 0, 40, 60), M(100, 0, 0, 50)], distributed: 100n, available: 850n },
  ])('$name', ({ members, distributed, available }) => {
    const f = groupFigures(group, members);
    expect(f.distributed).toBe(distributed);
    expect(f.available).toBe(available);
    expect(f.autoApproveRemaining).toBe(20n);
  });
});

describe('memberRemaining and admit', () => {
  it.each([
    { name: 'individual within allocation', m: M(100, 5, 50, 10), groupAvail: 0n, cycle: null, balance: null, amount: 45n, remaining: 45n, limited: null },
    { name: 'individual over allocation', m: M(100, 5, 50, 10), groupAvail: 999n, cycle: null, balance: null, amount: 46n, remaining: 45n, limited: 'member' },
    { name: 'pooled uses the group', m: M(null, 0, 0), groupAvail: 30n, cycle: null, balance: null, amount: 31n, remaining: 30n, limited: 'group' },
    { name: 'pooled extra adds to the pool', m: M(null, 10, 4), groupAvail: 30n, cycle: null, balance: null, amount: 36n, remaining: 36n, limited: null },
    { name: 'account cycle binds', m: M(100, 0, 0), groupAvail: 0n, cycle: 20n, balance: 1000n, amount: 21n, remaining: 100n, limited: 'account_cycle' },
    { name: 'balance binds', m: M(100, 0, 0), groupAvail: 0n, cycle: 50n, balance: 10n, amount: 11n, remaining: 100n, limited: 'balance' },
    { name: 'balance ignored when overage is allowed', m: M(100, 0, 0), groupAvail: 0n, cycle: 50n, balance: null, amount: 50n, remaining: 100n, limited: null },
  ])('$name', ({ m, groupAvail, cycle, balance, amount, remaining, limited }) => {
    expect(memberRemaining(m, groupAvail)).toBe(remaining);
    const d = admit({ amount, member: m, groupAvailable: groupAvail, cycleRemaining: cycle, balanceAvailable: balance });
    expect(d.limitedBy).toBe(limited);
    expect(d.allowed).toBe(limited === null);
  });
});
