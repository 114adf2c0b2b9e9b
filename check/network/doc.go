package network
