# The ShapesQA demo with gradient checkpointing in both encoders: activations
# are recomputed in the backward pass (less memory, ~30% more compute).
# The same from the command line: tools/train.py CONFIG --grad-checkpoint
_base_ = ['../mcg_tiny_shapesqa.py']
model = dict(
    video_encoder=dict(gradient_checkpointing=True),
    text_encoder=dict(gradient_checkpointing=True))
