module librecsgd/examples/go

go 1.19

require librecsgd v0.0.0

replace librecsgd => ../../bindings/go
