import { silentLogger } from '../../agent/logger';
import { throttledWarning } from '../../agent/throttled-log';

describe('a throttled warning', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('logs the first of a flood at once, then at most once a period with how many happened since', () => {
    const logger = silentLogger();
    const warn = jest.spyOn(logger, 'warn');
    const happened = throttledWarning(logger, 'refused', 10_000);
    for (let i = 0; i < 5; i += 1) happened({ address: `10.0.0.${i}` });
    expect(warn.mock.calls).toEqual([[{ address: '10.0.0.0', times: 1 }, 'refused']]);
    jest.advanceTimersByTime(9_999);
    happened({ address: '10.0.0.5' });
    expect(warn).toHaveBeenCalledTimes(1);
    jest.advanceTimersByTime(1);
    happened({ address: '10.0.0.6' });
    expect(warn.mock.calls[1]).toEqual([{ address: '10.0.0.6', times: 6 }, 'refused']);
  });
});
