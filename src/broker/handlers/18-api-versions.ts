/**
 * ApiVersions (key 18), v0-4. Answers with the ranges of every API that has a handler (the
 * router's registry), never a list typed by hand. A version the broker does not know is answered
 * by the router itself, in v0 form with UNSUPPORTED_VERSION.
 *
 * Features (v3+): the one Spindle has, Kafka's `transaction.version` (supported 0-2), finalized
 * at the level the `transaction.version` key sets, as a Kafka 4 cluster reports it. At level 2
 * a Kafka 4 client uses KIP-890's protocol: Produce v12 adds partitions itself, EndTxn v5 bumps
 * the epoch, TxnOffsetCommit v5 needs no AddOffsetsToTxn. Below 2 those versions are not
 * advertised (router.ts advertisedRanges), so no client uses them without the feature. Level 0
 * is left out of the finalized features, as Kafka leaves it out. The features epoch is the
 * broker's start time: it grows with every restart, so a client that reconnects after the level
 * changed takes the new level (Kafka's Java client keeps the level of the highest epoch seen).
 *
 * Authorization: none, as in Kafka (it is served before a SASL login too).
 */
import { ApiVersions } from '../../protocol/messages/index.js';
import { defineHandler } from '../router.js';

export const TRANSACTION_VERSION_FEATURE = 'transaction.version';
/** The highest transaction.version level Spindle implements. */
export const MAX_TRANSACTION_VERSION = 2;

export default defineHandler({
  api: ApiVersions,
  async handle({ broker, router }) {
    const level = broker.config.values['transaction.version'] as number;
    return {
      errorCode: 0,
      apiKeys: router.advertisedRanges(),
      throttleTimeMs: 0,
      supportedFeatures: [{ name: TRANSACTION_VERSION_FEATURE, minVersion: 0, maxVersion: MAX_TRANSACTION_VERSION }],
      finalizedFeaturesEpoch: broker.startedMs,
      finalizedFeatures: level > 0 ? [{ name: TRANSACTION_VERSION_FEATURE, maxVersionLevel: level, minVersionLevel: level }] : [],
      zkMigrationReady: false,
    };
  },
});
