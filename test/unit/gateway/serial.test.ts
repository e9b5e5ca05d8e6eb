import { expect } from 'chai';
import { Serial } from '../../../gateway/serial.js';

describe('gateway Serial (one task at a time)', () => {
  it('runs tasks in order, never two at once; a failure reaches its caller only', async () => {
    const serial = new Serial();
    const log: string[] = [];
    let running = 0;
    const task =
      (name: string, fail = false) =>
      async (): Promise<string> => {
        running++;
        expect(running).to.equal(1);
        log.push(`start ${name}`);
        await new Promise((r) => setImmediate(r));
        log.push(`end ${name}`);
        running--;
        if (fail) throw new Error(name);
        return name;
      };
    const a = serial.run(task('a'));
    const b = serial.run(task('b', true));
    const c = serial.run(task('c'));
    expect(await a).to.equal('a');
    await b.then(
      () => expect.fail('b should fail'),
      (e: Error) => expect(e.message).to.equal('b'),
    );
    expect(await c).to.equal('c');
    expect(log).to.deep.equal(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  });
});
