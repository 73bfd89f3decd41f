module sluice/bench/peers/go

go 1.19
