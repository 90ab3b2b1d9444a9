#!/bin/sh
# player MINE OTHER N: N times, wait for MINE (P), say my name, signal OTHER (V).
A=${APPINIT_CLI:-appinit}   # APPINIT_CLI: how to run appinit when it is not on PATH
i=0
while [ "$i" -lt "$3" ]; do
  $A sem "$1" P
  echo "${1#pp.}" >> pingpong.out
  $A sem "$2" V
  i=$((i + 1))
done
