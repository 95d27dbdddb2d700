/**
 * The one exception the codec throws: the bytes do not form a valid message of the version
 * being read. The broker answers it by closing the connection, as Kafka does for a request it
 * cannot parse; it never means a bug in the broker.
 */
export class ProtocolError extends Error {
  override readonly name: string = 'ProtocolError';
}
