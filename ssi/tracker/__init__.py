"""The HN / CaRE tracker: each establishment's standing on the programmes' items,
from automatic evidence and declarations, and the regional heatmap."""
