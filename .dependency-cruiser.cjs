/** Module boundaries (docs/decisions.md, "Where things live"), checked by `npm run lint`. */

/**
 * The module surfaces (src/modules/<m>/index.ts) that re-export some of their module's SQL, each with
 * its reason. Every other surface offers services, views and types only. This list only shrinks: give
 * the caller a service function instead and delete the entry; never add one to make a new import pass.
 * (issue 18; members, plan and webhooks were added to name what their surfaces already offered through a
 * service.ts that only re-exported queries.ts)
 */
const SQL_ON_SURFACE = {
  // Reading or locking an organization row is what every module needs of orgs (its service.ts imports
  // allocations, which imports orgs, so the surface cannot offer the service without a cycle).
  orgs: ['src/modules/orgs/queries.ts'],
  // The real-time path reads its cached configuration and admission figures in one statement each
  // (docs/performance.md); a correction re-books a cycle's usage (addCycleUsage).
  allocations: ['src/modules/allocations/queries.ts', 'src/modules/allocations/cycleQueries.ts'],
  // The real-time path reads the caps of its cached configuration in the same statement.
  caps: ['src/modules/caps/queries.ts'],
  // A correction finds, amends, voids and un-rolls the stored event, and the export pages events: the rows
  // are events' own, and the module's list (reads.ts) imports corrections, so the surface cannot offer them
  // through it without a cycle.
  events: ['src/modules/events/queries.ts'],
  // Members have no use case of their own: other modules' use cases read and change a member inside their own
  // transaction (allocations, requests, caps, plan seats, alert recipients, a key's member). A service.ts
  // would only repeat these names.
  members: ['src/modules/members/queries.ts'],
  // The real-time path caches the plan's limits with the rest of its configuration (realtime/config.ts), as it does caps.
  plan: ['src/modules/plan/queries.ts'],
  // The outbox addresses a notification to the endpoints subscribed to it inside the transaction that enqueues it.
  webhooks: ['src/modules/webhooks/queries.ts'],
};

/** The files that register a module's routes: its HTTP face, registered by src/http/routes.ts. */
const ROUTE_FILES = ['^src/modules/[^/]+/(routes|memberRoutes)\\.ts$', '^src/modules/events/(aliases|stripe|cloudevents)\\.ts$'];

/**
 * The files outside src/modules that reach a module file other than its surface, each with its reason.
 * Everything else outside the modules (app, wiring, context, http, jobs, demo, cli, client) imports
 * src/modules/<m>/index.ts only.
 */
const PAST_THE_SURFACE = {
  // Registering every module's routes is this file's job. A surface is what other modules' services import,
  // so it carries no HTTP: route files import src/http/, which imports surfaces (http/auth.ts -> apikeys),
  // so a surface offering its routes would make a cycle and load HTTP into every service using it.
  'src/http/routes.ts': ROUTE_FILES,
  // The balance hook of alerts runs auto-recharge too, sharing one balance read (install.ts); purchases
  // imports alerts' surface, so install.ts on that surface would be a cycle.
  'src/wiring.ts': ['src/modules/alerts/install.ts'],
  // Expiry books the due rollovers first (schedules' surface), and rollovers write ledger entries: expiry.ts
  // on the ledger surface would be a cycle.
  'src/jobs/scheduler.ts': ['src/modules/ledger/expiry.ts'],
  'src/jobs/period-close.ts': ['src/modules/ledger/expiry.ts'],
  // Creating an organization sets up its allocations, and allocations read orgs' surface: the use cases of
  // orgs/service.ts cannot be on that surface without a cycle.
  'src/demo/seed.ts': ['src/modules/orgs/service.ts'],
};

const QUERIES = '^src/modules/([^/]+)/([A-Za-z-]*[Qq]ueries)\\.ts$';
const SURFACE = '^src/modules/[^/]+/index\\.ts$';
const exact = (path) => `^${path.replace(/[.]/g, '\\.')}$`;

module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment:
        'An import cycle makes load order matter and hides which module owns a rule. A cycle with a type-only ' +
        'link in it is erased at compile time (a module surface re-exports types beside values), so it does not count.',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'domain-is-pure',
      severity: 'error',
      comment: 'src/domain holds pure rules: no database, no HTTP, no file system, no clock.',
      from: { path: '^src/domain/' },
      to: { path: ['^src/(db|http|modules|jobs|cli|demo)/', '^src/(clock|config|context|app|main|wiring)\\.ts$', '^(fs|net|http|https|child_process|node:fs|node:net|node:http|node:https|node:child_process)$', 'node_modules/(pg|@electric-sql|drizzle-orm|fastify|nodemailer|pino)'] },
    },
    {
      name: 'shared-rules-are-pure',
      severity: 'error',
      comment: 'src/errors.ts and src/actor.ts are imported by every layer: they import nothing with I/O (and nothing of the layers).',
      from: { path: '^src/(errors|actor)\\.ts$' },
      to: { path: ['^src/(db|http|modules|jobs|cli|demo)/', '^src/(clock|config|context|app|main|wiring)\\.ts$', '^(fs|net|http|https|child_process|node:fs|node:net|node:http|node:https|node:child_process)$', 'node_modules/'] },
    },
    {
      name: 'shared-helpers-below-the-layers',
      severity: 'error',
      comment: 'src/amounts.ts and src/metrics.ts are used by routes, services and jobs alike, so they import none of them.',
      from: { path: '^src/(amounts|metrics)\\.ts$' },
      to: { path: ['^src/(db|http|modules|jobs|cli|demo)/', '^src/(clock|config|context|app|main|wiring)\\.ts$'] },
    },
    {
      name: 'modules-through-their-surface',
      severity: 'error',
      comment:
        "A module reaches another module only through that module's surface, src/modules/<m>/index.ts, which " +
        're-exports by name what other modules may use (its services, views and types). What is not there is private.',
      from: { path: '^src/modules/([^/]+)/' },
      to: { path: '^src/modules/', pathNot: ['^src/modules/$1/', SURFACE] },
    },
    {
      name: 'outside-modules-through-their-surface',
      severity: 'error',
      comment:
        'Code outside src/modules (app, wiring, context, http, jobs, demo, cli, client) reaches a module only through ' +
        'its surface, src/modules/<m>/index.ts, as other modules do. Known exceptions: PAST_THE_SURFACE above.',
      from: { path: '^src/', pathNot: ['^src/modules/', ...Object.keys(PAST_THE_SURFACE).map(exact)] },
      to: { path: '^src/modules/', pathNot: SURFACE },
    },
    ...Object.entries(PAST_THE_SURFACE).map(([file, allowed]) => ({
      name: 'outside-modules-through-their-surface',
      severity: 'error',
      comment: `${file} may reach past a module's surface only to the files listed for it in PAST_THE_SURFACE.`,
      from: { path: exact(file) },
      to: { path: '^src/modules/', pathNot: [SURFACE, ...allowed.map((p) => (p.startsWith('^') ? p : exact(p)))] },
    })),
    {
      name: 'module-sql-is-private',
      severity: 'error',
      comment:
        "A module's surface never offers its SQL (queries.ts, *Queries.ts): other modules call its services. " +
        'Types are exempt: they carry no query. Known exceptions: SQL_ON_SURFACE above.',
      from: { path: SURFACE, pathNot: Object.keys(SQL_ON_SURFACE).map((m) => exact(`src/modules/${m}/index.ts`)) },
      to: { path: QUERIES, dependencyTypesNot: ['type-only'] },
    },
    ...Object.entries(SQL_ON_SURFACE).map(([m, allowed]) => ({
      name: 'module-sql-is-private',
      severity: 'error',
      comment: `src/modules/${m}/index.ts may offer only the SQL listed for it in SQL_ON_SURFACE.`,
      from: { path: exact(`src/modules/${m}/index.ts`) },
      to: { path: QUERIES, pathNot: allowed.map(exact), dependencyTypesNot: ['type-only'] },
    })),
    {
      name: 'services-not-http',
      severity: 'error',
      comment:
        'Services, the database and jobs do not depend on HTTP: errors come from src/errors.ts, the actor from src/actor.ts. ' +
        'Only the files that register routes import src/http/; the amount schemas and the metrics registry they share ' +
        'with services are src/amounts.ts and src/metrics.ts.',
      from: {
        path: '^src/(modules|db|jobs)/',
        pathNot: [...ROUTE_FILES, '^src/modules/auth/http\\.ts$'],
      },
      to: { path: '^src/http/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.tsx', '.js'] },
  },
};
