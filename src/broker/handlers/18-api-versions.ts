/**
 * ApiVersions (key 18), v0-4. Answers with the ranges of every API that has a handler (the
 * router's registry), never a list typed by hand. A version the broker does not know is answered
 * by the router itself, in v0 form with UNSUPPORTED_VERSION. No features are advertised: a
 * single Spindle node has no finalized feature levels.
 */
import { ApiVersions } from '../../protocol/messages/index.js';
import { defineHandler } from '../router.js';

export default defineHandler({
  api: ApiVersions,
  async handle(ctx) {
    return {
      errorCode: 0,
      apiKeys: ctx.router.ranges,
      throttleTimeMs: 0,
      supportedFeatures: [],
      finalizedFeaturesEpoch: -1,
      finalizedFeatures: [],
      zkMigrationReady: false,
    };
  },
});
