'use strict';
// Stand-in for webpack in the runtime image (deploy/image/prune-runtime.cjs): @temporalio/worker
// loads webpack with its bundler module, but a worker started from dist/ uses the bundle
// `npm run build` made. Reaching this means something tried to bundle workflows at run time.
function webpack() {
  throw new Error('webpack is not in the runtime image: workflows are bundled by `npm run build` (dist/workflow-bundle.js)');
}
class NormalModuleReplacementPlugin {
  constructor() {
    webpack();
  }
}
module.exports = { webpack, NormalModuleReplacementPlugin };
