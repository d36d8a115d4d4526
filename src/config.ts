import { z } from 'zod';

/** The only place that reads process.env. Parsed once, at start. */
const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  HOST: z.string().min(1).default('127.0.0.1'),
  TALLY_DATA_DIR: z.string().min(1).default('./.tally-data'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  TALLY_PLATFORM_KEY: z.string().min(24, 'must be at least 24 characters long').optional(),
  TALLY_DEMO: z.enum(['0', '1'], { message: 'must be 0 or 1' }).default('1'),
  TALLY_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  TALLY_SCHEDULER: z.enum(['0', '1'], { message: 'must be 0 or 1' }).default('1'),
  /** where the CLI finds a running server */
  TALLY_URL: z.url({ message: 'must be a URL such as http://127.0.0.1:4000' }).default('http://127.0.0.1:4000'),
  /**
   * The address people reach this server at (behind a proxy, its public https URL):
   * embed links are built from it, never from a request's Host header.
   */
  TALLY_PUBLIC_URL: z
    .url({ message: 'must be the URL people open Tally at, such as https://billing.example.com' })
    .refine((u) => /^https?:\/\//.test(u), 'must be an http:// or https:// URL')
    .optional(),
  TALLY_SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL')
    .optional(),
  TALLY_MAIL_FROM: z.string().min(3).default('Tally <tally@localhost>'),
  /** 0: no named (prepared) statements on PostgreSQL, for a pooler that cannot carry them (src/db/prepared.ts) */
  TALLY_PG_PREPARE: z.enum(['0', '1'], { message: 'must be 0 or 1' }).default('1'),
});

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  platformKey: string | undefined;
  demo: boolean;
  logLevel: string;
  scheduler: boolean;
  serverUrl: string;
  publicUrl: string | undefined;
  smtpUrl: string | undefined;
  mailFrom: string;
  pgPrepare: boolean;
}

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`);
    throw new ConfigError(`Tally cannot start: ${problems.join('; ')}.`);
  }
  const c = parsed.data;
  return {
    port: c.PORT,
    host: c.HOST,
    dataDir: c.TALLY_DATA_DIR,
    databaseUrl: c.DATABASE_URL,
    platformKey: c.TALLY_PLATFORM_KEY,
    demo: c.TALLY_DEMO === '1',
    logLevel: c.TALLY_LOG_LEVEL,
    scheduler: c.TALLY_SCHEDULER === '1',
    serverUrl: c.TALLY_URL,
    publicUrl: c.TALLY_PUBLIC_URL?.replace(/\/+$/, ''),
    smtpUrl: c.TALLY_SMTP_URL,
    mailFrom: c.TALLY_MAIL_FROM,
    pgPrepare: c.TALLY_PG_PREPARE === '1',
  };
}
