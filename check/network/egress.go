package network

import (
	"net/netip"
	"strings"

	"github.com/kubethreat/kubethreat/source"
)

// metadataAddresses are the instance metadata endpoints: 169.254.169.254
// (AWS, Azure, Google Cloud, Oracle and others) and fd00:ec2::254 (the IPv6
// endpoint of AWS). Both serve HTTP on port 80.
// NOTE: Alibaba Cloud's 100.100.100.200 is not checked, so that the usual
// except entry for 169.254.169.254/32 is enough elsewhere.
var metadataAddresses = []netip.Addr{
	netip.MustParseAddr("169.254.169.254"),
	netip.MustParseAddr("fd00:ec2::254"),
}

const metadataPort = 80

// ipBlockAllows reports whether an ipBlock peer (cidr with optional except
// list) allows traffic to addr: the cidr contains it and no except entry
// does. A malformed cidr allows nothing, as the API server rejects it.
func ipBlockAllows(block source.Value, addr netip.Addr) bool {
	prefix, err := netip.ParsePrefix(strings.TrimSpace(block.Field("cidr").Str()))
	if err != nil || !prefix.Contains(addr) {
		return false
	}
	for _, ex := range block.Field("except").Strings() {
		if p, err := netip.ParsePrefix(strings.TrimSpace(ex)); err == nil && p.Contains(addr) {
			return false
		}
	}
	return true
}

// peersAllow reports whether a rule's peer list (from or to) lets traffic
// reach addr, an address outside the cluster. An absent or empty list means
// every address. Pod and namespace selectors match pods, not external
// addresses, so only ipBlock peers count.
func peersAllow(peers source.Value, addr netip.Addr) bool {
	if peers.Len() == 0 {
		return true
	}
	for _, peer := range peers.Items() {
		if block := peer.Field("ipBlock"); block.Exists() && ipBlockAllows(block, addr) {
			return true
		}
	}
	return false
}

// portsAllow reports whether a rule's ports list lets TCP traffic to port
// through. An absent or empty list means every port. A named port refers to
// a port of the destination pods and does not match an external address.
func portsAllow(ports source.Value, port int64) bool {
	if ports.Len() == 0 {
		return true
	}
	for _, p := range ports.Items() {
		if proto := p.Field("protocol").Str(); proto != "" && proto != "TCP" {
			continue
		}
		v := p.Field("port")
		if !v.Exists() {
			return true
		}
		n, ok := v.Int()
		if !ok {
			continue
		}
		end, hasEnd := p.Field("endPort").Int()
		if n == port || (hasEnd && n <= port && port <= end) {
			return true
		}
	}
	return false
}

// egressRuleReaches returns the metadata address an egress rule lets
// traffic reach, if any.
func egressRuleReaches(rule source.Value) (netip.Addr, bool) {
	if !portsAllow(rule.Field("ports"), metadataPort) {
		return netip.Addr{}, false
	}
	for _, addr := range metadataAddresses {
		if peersAllow(rule.Field("to"), addr) {
			return addr, true
		}
	}
	return netip.Addr{}, false
}

// isOpenPeer reports whether a peer admits every address: an ipBlock of
// 0.0.0.0/0 or ::/0 without exceptions.
func isOpenPeer(peer source.Value) bool {
	block := peer.Field("ipBlock")
	if !block.Exists() || block.Field("except").Len() > 0 {
		return false
	}
	prefix, err := netip.ParsePrefix(strings.TrimSpace(block.Field("cidr").Str()))
	return err == nil && prefix.Bits() == 0
}
