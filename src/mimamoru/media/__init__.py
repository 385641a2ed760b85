"""Video: camera sources, frame filters, the recording pipeline and live fan-out."""
