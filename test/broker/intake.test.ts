import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Intake, type IntakeClient } from '../../src/broker/intake.js';

class Client implements IntakeClient {
  heldBytes = 0;
  holdsOnlyRequests = false;
  resumed = 0;
  constructor(private readonly intake: Intake) {}
  take(n: number): void {
    this.heldBytes += n;
    this.intake.charge(this, n);
  }
  give(n: number): void {
    this.heldBytes -= n;
    this.intake.release(this, n);
  }
  resumeReading(): void {
    this.resumed++;
  }
}

test('below the budget everyone reads; past it only those under their fair share, until bytes come back', () => {
  const intake = new Intake(1000);
  const heavy = new Client(intake);
  const light = new Client(intake);
  assert.ok(intake.mayRead(heavy));
  heavy.take(990);
  light.take(20);
  assert.is(intake.heldBytes, 1010);
  assert.not.ok(intake.mayRead(heavy), 'the one that filled the budget stops');
  assert.ok(intake.mayRead(light), 'a client holding less than its share (1000 / 2) is still served');
  heavy.give(500);
  assert.is(heavy.resumed, 1, 'resumed once the budget has room');
  assert.ok(intake.mayRead(heavy));
});

test('a full command ring stops everyone, and its draining resumes them', () => {
  const intake = new Intake(1000);
  const a = new Client(intake);
  intake.setBacklogged(true);
  assert.not.ok(intake.mayRead(a));
  intake.setBacklogged(false);
  assert.is(a.resumed, 1);
  assert.ok(intake.mayRead(a));
});

test("-1 (Kafka's default) has no byte budget, but the ring backlog still gates", () => {
  const intake = new Intake(-1);
  const a = new Client(intake);
  a.take(1e12);
  assert.ok(intake.mayRead(a));
  intake.setBacklogged(true);
  assert.not.ok(intake.mayRead(a));
});

test('a forgotten client is not resumed and no longer counts for the fair share', () => {
  const intake = new Intake(100);
  const a = new Client(intake);
  const b = new Client(intake);
  a.take(200);
  assert.not.ok(intake.mayRead(a));
  intake.forget(a);
  a.give(200);
  assert.is(a.resumed, 0);
  b.take(60);
  assert.ok(intake.mayRead(b), 'under the budget again');
});

test('past the budget a client holding only requests it has not started still reads: the rest of a large frame', () => {
  const intake = new Intake(1000);
  const big = new Client(intake);
  big.take(1200);
  assert.not.ok(intake.mayRead(big), 'a client with a request running or an answer unsent stops');
  big.holdsOnlyRequests = true;
  assert.ok(intake.mayRead(big), 'one whose bytes are only its unstarted request goes on, or the budget would stay spent');
});

test.run();
