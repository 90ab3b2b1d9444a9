#!/bin/sh
# runner N WAIT SIGNAL: P(WAIT) unless "-", run, V(SIGNAL) unless "-".
A=${APPINIT_CLI:-appinit}   # APPINIT_CLI: how to run appinit when it is not on PATH
[ "$2" = - ] || $A sem "$2" P
echo "runner $1" >> runners.out
[ "$3" = - ] || $A sem "$3" V
