/**
 * Request and response headers.
 *
 *   request header v0:  requestApiKey int16 | requestApiVersion int16 | correlationId int32
 *   request header v1:  v0 + clientId nullable string (never compact)
 *   request header v2:  v1 + tagged fields
 *   response header v0: correlationId int32
 *   response header v1: v0 + tagged fields
 *
 * A flexible request version uses header v2 and gets response header v1; others use v1 and v0.
 * ApiVersions is the exception: its response header is always v0, so that a client that sent
 * a version the broker does not know can still read the answer.
 */
import { compileStruct } from './codec/compile.js';
import { inVersions } from './codec/versions.js';
import { type ApiSpec, type Infer, int16, int32, string } from './schema.js';

export const RequestHeaderSpec = {
  requestApiKey: int16('0+'),
  requestApiVersion: int16('0+'),
  correlationId: int32('0+'),
  clientId: string('1+', { nullable: '1+', default: null, neverCompact: true }),
};

export const ResponseHeaderSpec = {
  correlationId: int32('0+'),
};

export type RequestHeader = Infer<typeof RequestHeaderSpec>;
export type ResponseHeader = Infer<typeof ResponseHeaderSpec>;

export const API_VERSIONS_KEY = 18;

export function isFlexible(api: ApiSpec, version: number): boolean {
  return inVersions(api.flexible, version);
}

export function requestHeaderVersion(api: ApiSpec, version: number): 1 | 2 {
  return isFlexible(api, version) ? 2 : 1;
}

export function responseHeaderVersion(api: ApiSpec, version: number): 0 | 1 {
  if (api.key === API_VERSIONS_KEY) return 0;
  return isFlexible(api, version) ? 1 : 0;
}

export function requestHeaderCodec(headerVersion: number) {
  return compileStruct(RequestHeaderSpec, headerVersion, headerVersion >= 2);
}

export function responseHeaderCodec(headerVersion: number) {
  return compileStruct(ResponseHeaderSpec, headerVersion, headerVersion >= 1);
}
