import { sql } from 'drizzle-orm';
import type { Q } from '../../db/client.js';
import { date, mapFirst, text } from '../../db/rows.js';

export interface ServerKeyRow {
  publicKey: string;
  privateKey: string;
  createdAt: Date;
}

/** Stores an Ed25519 key pair under `name` unless one is stored already (the first instance wins). */
export async function insertServerKeyIfAbsent(tx: Q, name: string, publicKey: string, privateKey: string, now: Date): Promise<void> {
  await tx.execute(sql`insert into server_keys (name, algorithm, public_key, private_key, created_at)
    values (${name}, 'Ed25519', ${publicKey}, ${privateKey}, ${now.toISOString()}::timestamptz) on conflict (name) do nothing`);
}

export async function findServerKey(q: Q, name: string): Promise<ServerKeyRow | undefined> {
  return mapFirst(
    q,
    sql`select public_key as "publicKey", private_key as "privateKey", created_at as "createdAt" from server_keys where name = ${name}`,
    (r) => ({ publicKey: text(r.publicKey), privateKey: text(r.privateKey), createdAt: date(r.createdAt) }),
  );
}
