/** Module boundaries (docs/decisions.md, "Where things live"), checked by `npm run lint`. */
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'An import cycle makes load order matter and hides which module owns a rule.',
      from: {},
      to: { circular: true, dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'domain-is-pure',
      severity: 'error',
      comment: 'src/domain holds pure rules: no database, no HTTP, no file system, no clock.',
      from: { path: '^src/domain/' },
      to: { path: ['^src/(db|http|modules|jobs|cli|demo)/', '^src/(clock|config|context|app|main)\\.ts$', '^(fs|net|http|https|child_process|node:fs|node:net|node:http|node:https|node:child_process)$', 'node_modules/(pg|@electric-sql|drizzle-orm|fastify|nodemailer)'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.tsx', '.js'] },
  },
};
