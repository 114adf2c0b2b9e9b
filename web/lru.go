package web

import (
	linkedlist "container/list"
	"sync"
)

// lru is a map with a maximum number of entries and, optionally, a maximum
// total cost, such as bytes. It evicts the least recently used entries to
// stay within both, but always keeps the newest entry. It is safe for
// concurrent use.
type lru[K comparable, V any] struct {
	mu      sync.Mutex
	max     int
	maxCost int
	cost    func(V) int // nil: every entry costs nothing
	total   int
	order   *linkedlist.List // of *lruEntry, most recently used first
	items   map[K]*linkedlist.Element
}

type lruEntry[K comparable, V any] struct {
	key   K
	value V
}

func newLRU[K comparable, V any](max int) *lru[K, V] {
	return &lru[K, V]{max: max, order: linkedlist.New(), items: map[K]*linkedlist.Element{}}
}

// newCostLRU returns an lru that also keeps the total cost of its entries
// at most maxCost.
func newCostLRU[K comparable, V any](max, maxCost int, cost func(V) int) *lru[K, V] {
	c := newLRU[K, V](max)
	c.maxCost, c.cost = maxCost, cost
	return c
}

func (c *lru[K, V]) costOf(v V) int {
	if c.cost == nil {
		return 0
	}
	return c.cost(v)
}

func (c *lru[K, V]) get(key K) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[key]; ok {
		c.order.MoveToFront(el)
		return el.Value.(*lruEntry[K, V]).value, true
	}
	var zero V
	return zero, false
}

func (c *lru[K, V]) add(key K, value V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[key]; ok {
		entry := el.Value.(*lruEntry[K, V])
		c.total += c.costOf(value) - c.costOf(entry.value)
		entry.value = value
		c.order.MoveToFront(el)
	} else {
		c.items[key] = c.order.PushFront(&lruEntry[K, V]{key, value})
		c.total += c.costOf(value)
	}
	for c.order.Len() > 1 && (c.order.Len() > c.max || (c.maxCost > 0 && c.total > c.maxCost)) {
		oldest := c.order.Back()
		c.order.Remove(oldest)
		entry := oldest.Value.(*lruEntry[K, V])
		delete(c.items, entry.key)
		c.total -= c.costOf(entry.value)
	}
}

func (c *lru[K, V]) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}
