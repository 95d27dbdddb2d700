import { Writer } from '../../src/protocol/codec/writer.js';
import { decodeRequest, decodeRequestHeader, encodeRequest } from '../../src/protocol/frame.js';
import { Produce } from '../../src/protocol/messages/00-produce.js';
import { encodeBatch } from '../../src/protocol/records/batch.js';
import type { MicroCase } from './case.js';
import { jsonRecords } from './data.js';

export function cases(): MicroCase[] {
  const batch = encodeBatch(jsonRecords(64, 1024).map((value) => ({ value })));
  const body = {
    transactionalId: null,
    acks: 1,
    timeoutMs: 30000,
    topicData: [{ name: 'bench', partitionData: [{ index: 0, records: batch }] }],
  };
  const frame = encodeRequest(Produce, 9, 1, 'bench', body).subarray(4);
  const w = new Writer(128 * 1024);
  return [
    {
      group: 'codec',
      name: 'Produce v9 request decode (64 KiB batch, zero-copy)',
      bytes: frame.length,
      fn: () => {
        const { header, bodyOffset } = decodeRequestHeader(frame, () => Produce);
        return decodeRequest(Produce, header.requestApiVersion, frame, bodyOffset);
      },
    },
    {
      group: 'codec',
      name: 'Produce v9 request encode (64 KiB batch)',
      bytes: frame.length,
      fn: () => {
        w.pos = 0;
        return encodeRequest(Produce, 9, 1, 'bench', body, w);
      },
    },
  ];
}
