/**
 * Every API the broker serves, one handler module each, named by API key so that they sort like
 * the protocol table. The router advertises exactly these in ApiVersions.
 */
import type { Handler } from '../router.js';
import produce from './00-produce.js';
import fetch from './01-fetch.js';
import listOffsets from './02-list-offsets.js';
import metadata from './03-metadata.js';
import apiVersions from './18-api-versions.js';

export const HANDLERS: readonly Handler[] = [produce, fetch, listOffsets, metadata, apiVersions] as Handler[];
