import { formatMicro } from '../domain/money.js';
import { allOrgIds, proveOrg } from '../modules/ledger/verify.js';
import { openConfiguredDatabase } from './database.js';

/** Prints the proof of SPEC §3.13 items 1–2 per organization; exits 1 on any breach. */
export async function runVerify(): Promise<number> {
  const db = await openConfiguredDatabase();
  try {
    const orgIds = await db.read(allOrgIds);
    let breaches = 0;
    for (const orgId of orgIds) {
      const p = await db.read((q) => proveOrg(q, orgId));
      const low = p.lowestBlockBalance === null ? 'no blocks' : formatMicro(p.lowestBlockBalance);
      process.stdout.write(
        `${p.ok ? 'ok    ' : 'BREACH'} ${orgId}: ${p.entries} entries, entry sum ${formatMicro(p.entrySum)}, ` +
          `lowest block balance ${low}, cached = derived for every account${p.mismatches.length ? ' — NO' : ''}\n`,
      );
      const pre = p.chain.beforeChain > 0 ? ` (${p.chain.beforeChain} entries from before the chain are not covered)` : '';
      process.stdout.write(
        p.chain.breach
          ? `         hash chain BROKEN: ${p.chain.breach.message}\n`
          : `         hash chain intact over ${p.chain.entries} entries${pre}: none changed, removed or out of order\n`,
      );
      for (const m of p.mismatches) {
        process.stdout.write(`         ${m.account}: cached ${formatMicro(m.cached)} ≠ derived ${formatMicro(m.derived)}\n`);
      }
      if (!p.ok) breaches++;
    }
    process.stdout.write(`${orgIds.length} organizations verified, ${breaches} with a breach\n`);
    return breaches === 0 ? 0 : 1;
  } finally {
    await db.close();
  }
}
