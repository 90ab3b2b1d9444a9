#!/bin/sh
# worker FIRST SECOND MINE THEIRS: hold FIRST; say so (V MINE); wait for the other (P THEIRS);
# then ask for SECOND while still holding FIRST.
A=${APPINIT_CLI:-appinit}   # APPINIT_CLI: how to run appinit when it is not on PATH
exec $A lock "$1" -- sh -c "$A sem $3 V && $A sem $4 P && $A lock $2 -- echo 'got $1 and $2'"
