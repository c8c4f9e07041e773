/**
 * NodeNetworkReceiveErrs / NodeNetworkTransmitErrs: rate(node_network_<direction>_errs_total[2m]) /
 * rate(node_network_<direction>_packets_total[2m]) > 0.01 per device, from /proc/net/dev's counters. Where no packet
 * moved in the range the ratio has no finite value and the rule does not match (Prometheus' +Inf would).
 */
import type { Sample } from '../samples';
import type { AlertRulesConfig } from './config';
import { rate } from './series';
import { SeriesWindows, type Match, type Rule } from './types';

type Direction = 'receive' | 'transmit';

function errorsRule(direction: Direction, config: AlertRulesConfig['NodeNetworkReceiveErrs']): Rule {
  const errors = new SeriesWindows(config.range);
  const packets = new SeriesWindows(config.range);
  return {
    name: direction === 'receive' ? 'NodeNetworkReceiveErrs' : 'NodeNetworkTransmitErrs',
    severity: 'warning',
    forMs: config.for,
    topic: 'network',
    summary: `Network interface is reporting many ${direction} errors.`,
    description: `{{ $labels.instance }} interface {{ $labels.device }} has encountered {{ printf "%.0f" $value }} ${direction} errors in the last two minutes.`,
    evaluate(sample) {
      const { data, raw } = sample as Sample<'network'>;
      const seen = new Set<string>();
      const matches = raw.devices.flatMap((device): Match[] => {
        const { errs, packets: sent } = device[direction];
        if (errs === undefined || sent === undefined) return [];
        seen.add(device.device);
        const errorRate = rate(errors.push(device.device, data.ts, errs).range(), config.range, data.ts);
        const packetRate = rate(packets.push(device.device, data.ts, sent).range(), config.range, data.ts);
        if (errorRate === undefined || !packetRate) return [];
        const value = errorRate / packetRate;
        return value > config.above ? [{ labels: { device: device.device }, value }] : [];
      });
      errors.retain(seen);
      packets.retain(seen);
      return matches;
    },
  };
}

export function networkRules(rules: AlertRulesConfig): Rule[] {
  return [
    ...(rules.NodeNetworkReceiveErrs.enabled ? [errorsRule('receive', rules.NodeNetworkReceiveErrs)] : []),
    ...(rules.NodeNetworkTransmitErrs.enabled ? [errorsRule('transmit', rules.NodeNetworkTransmitErrs)] : []),
  ];
}
