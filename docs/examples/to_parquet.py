"""Write a CSV declaration file as Parquet: ``python docs/examples/to_parquet.py IN.csv OUT.parquet``.

The examples are kept as text so that they can be read and diffed; armsctl reads Parquet as it
reads CSV (the same columns), and this is how the README makes ``items.parquet`` from
``docs/examples/items.csv``. Dates stay dates and counts stay integers (Arrow infers them).
"""

import sys

import pyarrow.csv as pacsv
import pyarrow.parquet as pq

if __name__ == "__main__":
    source, target = sys.argv[1:3]
    pq.write_table(pacsv.read_csv(source), target)
    print(f"wrote {target}")
