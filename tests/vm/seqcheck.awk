# Reads tracecat output; checks that the EVENT sequence numbers of domain D
# plus the LOST ranges cover START..max exactly once, in order (START: -v
# START=n, else the first number seen, for a recorder that attached to a
# running device).  Prints "events N lost L max M" and exits 1 on any gap,
# duplicate or disorder.
BEGIN { started = (START != "") ; next_seq = START + 0 }
($1 == "EVENT" || $1 == "LOST") && $2 == D && !started {
	next_seq = ($1 == "EVENT" ? substr($3, 2) : $3) + 0
	started = 1
}
$1 == "EVENT" && $2 == D {
	s = substr($3, 2) + 0
	if (s != next_seq) { print "seq " s " where " next_seq " was due"; bad = 1 }
	next_seq = s + 1; events++
}
$1 == "LOST" && $2 == D {
	if ($3 + 0 != next_seq) { print "LOST from " $3 " where " next_seq " was due"; bad = 1 }
	if ($4 - $3 + 1 != $5) { print "LOST range " $3 "-" $4 " does not hold " $5; bad = 1 }
	next_seq = $4 + 1; lost += $5
}
END {
	print "events " events + 0 " lost " lost + 0 " max " next_seq - 1
	exit bad
}
