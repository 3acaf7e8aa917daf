// Package stateful is the kit every stateful data service golden path is built on (MongoDB,
// PostgreSQL, Valkey): a StatefulSet of members on one official image, with volumes that
// outlive the XR and credentials generated once.
//
// It holds what is not about any one engine: reading what runs from observed state that
// anyone may have changed (Running), the guards that refuse changes that would lose data
// (Settle), secrets generated exactly once (Kept), the Service, PodDisruptionBudget and
// NetworkPolicy builders and the "waiting for <member> (<reason>)" messages. What every golden
// path shares, stateful or not (the component table, compute presets, restricted security
// contexts), is in package goldenpath. An Engine says what differs: the container, the data volume, the releases and how they
// upgrade, and how the members form a cluster.
package stateful
