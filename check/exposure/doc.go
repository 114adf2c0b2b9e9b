package exposure
