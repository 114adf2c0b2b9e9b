package hostpath
