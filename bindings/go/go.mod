module librecsgd

go 1.19
