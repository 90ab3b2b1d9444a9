#!/bin/sh
# producer N: down(empty); down(mutex); insert item; up(mutex); up(filled) — N times.
A=${APPINIT_CLI:-appinit}   # APPINIT_CLI: how to run appinit when it is not on PATH
i=1
while [ "$i" -le "$1" ]; do
  $A sem pc.empty P
  $A sem pc.mutex P --undo          # held: given back if this job dies inside
  $A mq pc.buf send "item $i"
  $A sem pc.mutex V --undo
  $A sem pc.filled V
  echo "produced item $i"
  i=$((i + 1))
done
