/** Module boundaries (docs/decisions.md, "Where things live"), checked by `npm run lint`. */

/**
 * Known exceptions to `module-sql-is-private`, each a [from, to] pair. This
 * list only shrinks: fix an entry and delete it; never add one to make a new
 * import pass. (issue 18)
 */
const SQL_ALLOWED = [
  // The real-time path reads its cached configuration and admission figures in one statement each
  // (docs/performance.md); it is being reworked for performance, so it keeps its direct reads for now.
  ['src/modules/realtime/config.ts', 'src/modules/allocations/queries.ts'],
  ['src/modules/realtime/config.ts', 'src/modules/caps/queries.ts'],
  ['src/modules/realtime/figures.ts', 'src/modules/allocations/cycleQueries.ts'],
  // A correction re-books cycle usage; allocations has no service.ts yet to expose addCycleUsage through.
  ['src/modules/corrections/service.ts', 'src/modules/allocations/cycleQueries.ts'],
];

const QUERIES = '^src/modules/([^/]+)/([A-Za-z-]*[Qq]ueries)\\.ts$';
const exact = (path) => `^${path.replace(/[.]/g, '\\.')}$`;
const sqlAllowedFrom = [...new Set(SQL_ALLOWED.map(([from]) => from))];

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
      name: 'module-sql-is-private',
      severity: 'error',
      comment:
        "A module reaches another module through that module's service.ts (or index.ts), never its SQL " +
        '(queries.ts, *Queries.ts). Types are exempt: they carry no query. Known exceptions: SQL_ALLOWED above.',
      from: { path: '^src/modules/([^/]+)/', pathNot: sqlAllowedFrom.map(exact) },
      to: { path: QUERIES, pathNot: '^src/modules/$1/', dependencyTypesNot: ['type-only'] },
    },
    ...sqlAllowedFrom.map((from) => ({
      name: 'module-sql-is-private',
      severity: 'error',
      comment: `${from} may read only the queries listed for it in SQL_ALLOWED.`,
      from: { path: exact(from) },
      to: {
        path: QUERIES,
        // its own module's queries, and those listed ($1 is not captured by an exact `from` path)
        pathNot: [`^${from.slice(0, from.lastIndexOf('/') + 1)}`, ...SQL_ALLOWED.filter(([f]) => f === from).map(([, to]) => exact(to))],
        dependencyTypesNot: ['type-only'],
      },
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
        pathNot: ['/(routes|memberRoutes)\\.ts$', '^src/modules/auth/http\\.ts$', '^src/modules/events/(aliases|stripe|cloudevents)\\.ts$'],
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
