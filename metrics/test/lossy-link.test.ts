// A real namespace and veth with real packet drops. Needs root and nftables
// (or netem); without them the test fails with the message saying so.
import { execFileSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { createLossyLink, lossRuleset, type LossyLink } from '../lossy-link.ts';
import { lossNotApplied } from '../runner/applied-loss.ts';

const namespaces = () => execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
const links = () => execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' });

let link: LossyLink | undefined;
afterAll(() => link?.destroy());

describe('lossy link', () => {
  it('passes every probe at loss 0 and runs programs inside the namespace', async () => {
    link = await createLossyLink({ loss: 0 });
    expect(link.hostAddress).toMatch(/^10\.77\.\d+\.1$/);
    expect(link.nsAddress).toMatch(/^10\.77\.\d+\.2$/);
    expect(namespaces()).toContain(link.nsName);

    const { stdout } = await link.exec('ip', ['-o', '-4', 'addr', 'show']);
    expect(stdout).toContain(link.nsAddress);
    expect(stdout).not.toContain(link.hostAddress);

    const measured = await link.measureLoss(200);
    expect(measured.forwardLoss).toBe(0);
    expect(measured.returnLoss).toBe(0);
  });

  it('drops about 30% each way at loss 0.3', async () => {
    await link!.setLoss(0.3);
    const measured = await link!.measureLoss(400);
    expect(measured.forwardLoss).toBeGreaterThan(0.15);
    expect(measured.forwardLoss).toBeLessThan(0.45);
    expect(measured.returnLoss).toBeGreaterThan(0.15);
    expect(measured.returnLoss).toBeLessThan(0.45);
    expect(lossNotApplied(0.3, measured)).toBeNull();
  });

  it('is found out when its drops are gone', async () => {
    // What a study would otherwise report as 30% loss: the rules removed behind the link's back.
    if (link!.mechanism === 'nftables') await link!.exec('nft', ['delete', 'table', 'inet', 'lossy']);
    else await link!.exec('tc', ['qdisc', 'del', 'dev', `lsy${link!.hostAddress.split('.')[2]}n`, 'root']);
    const measured = await link!.measureLoss(400);
    expect(lossNotApplied(0.3, measured)).toMatch(/asked for 0\.3 loss/);
    await link!.setLoss(0.3); // back as it was, for the test after
  });

  it('removes the namespace and both veth ends on destroy', async () => {
    const { nsName, hostAddress } = link!;
    const subnet = hostAddress.split('.')[2];
    await link!.destroy();
    await link!.destroy(); // twice is harmless
    expect(namespaces()).not.toContain(nsName);
    expect(links()).not.toMatch(new RegExp(`lsy${subnet}h@`));
  });

  it('drops by nftables only on the veth, never on loopback, in millionths', () => {
    const ruleset = lossRuleset('lsy7n', 0.067);
    expect(ruleset).toContain('iifname "lsy7n" numgen random mod 1000000 < 67000 drop');
    expect(ruleset).toContain('oifname "lsy7n" numgen random mod 1000000 < 67000 drop');
    // A loss finer than a thousandth still drops what it says.
    expect(lossRuleset('lsy7n', 0.0004)).toContain('numgen random mod 1000000 < 400 drop');
  });
});
