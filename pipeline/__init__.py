"""salesreport: CRM exports in, monthly plans and summaries out."""
import pandas as pd

# pyarrow is here to read big CSV exports (inputs.load asks for Arrow text where it pays). With
# it installed pandas would keep every text column in Arrow, which slows the per-unit work of
# compute and documents by a fifth; text stays in Python strings, as it is without pyarrow.
pd.set_option("mode.string_storage", "python")
