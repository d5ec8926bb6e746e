"""A synthetic corpus of mixed Chinese and English technical notes, reproducible from a seed.

Each article draws two topics; a topic's words appear in most of its articles and rarely
elsewhere, so a query word matches a realistic few percent of a large corpus.
"""

import random

TOPICS = {
    "cnn": ["卷积", "卷积核", "池化", "感受野", "特征图", "convolution", "kernel", "stride"],
    "dilated": ["空洞卷积", "膨胀率", "感受野", "网格效应", "dilated convolution", "atrous"],
    "segmentation": ["语义分割", "像素准确率", "交并比", "MIoU", "mask", "decoder"],
    "rl": ["强化学习", "策略梯度", "奖励", "回报", "policy gradient", "reward", "PPO"],
    "td": ["时序差分", "值函数", "自举", "Q-learning", "bootstrap", "SARSA"],
    "mc": ["蒙特卡洛", "采样", "重要性采样", "episode", "return"],
    "attention": ["注意力", "自注意力", "多头注意力", "softmax", "query", "key", "value"],
    "flash": ["FlashAttention", "online softmax", "分块计算", "显存带宽", "tiling", "SRAM"],
    "specdec": ["投机解码", "草稿模型", "接受率", "speculative decoding", "draft model", "verification"],
    "medusa": ["多头解码", "树注意力", "Medusa", "candidate tree", "typical acceptance"],
    "mtp": ["多token预测", "预测头", "multi-token prediction", "DeepSeek", "auxiliary loss"],
    "amp": ["混合精度", "损失缩放", "半精度", "BF16", "FP16", "loss scaling", "GradScaler"],
    "optim": ["梯度下降", "学习率", "动量", "Adam", "weight decay", "warmup"],
    "sam": ["分割一切", "提示编码器", "图像编码器", "Segment Anything", "prompt", "ViT"],
    "kv": ["键值缓存", "推理加速", "分页注意力", "KV cache", "PagedAttention", "batching"],
    "quant": ["量化", "低比特", "校准", "INT8", "GPTQ", "AWQ"],
    "algo": ["双指针", "动态规划", "二分查找", "时间复杂度", "two pointers", "LeetCode"],
    "graph": ["图神经网络", "消息传递", "邻接矩阵", "GNN", "message passing", "node embedding"],
    "diffusion": ["扩散模型", "去噪", "噪声调度", "diffusion", "DDPM", "sampler"],
    "rlhf": ["人类反馈", "奖励模型", "偏好数据", "RLHF", "DPO", "preference"],
}
FILLER_ZH = [
    "我们首先回顾基本定义", "这一步的关键在于", "实验表明", "需要注意的是", "在实际工程中",
    "从直觉上理解", "下面给出推导", "可以证明", "这样做的代价是", "与之相比",
    "为了降低开销", "在大规模训练中", "一个常见的误区是", "结果如下表所示", "换句话说",
]  # fmt: skip
FILLER_EN = [
    "In practice", "the main idea is", "we compare", "as shown below", "under the same budget",
    "the cost grows with", "this trick keeps", "on long sequences", "for small batches",
]  # fmt: skip
TAGS = sorted({*TOPICS, "深度学习", "LLM", "推理", "训练", "笔记", "论文", "代码", "数学"})


def _sentence(rng, words):
    zh = rng.choice(FILLER_ZH)
    term, other = rng.choice(words), rng.choice(words)
    if rng.random() < 0.3:
        return f"{rng.choice(FILLER_EN)} {term} and {other}."
    return f"{zh}，{term}与{other}的关系决定了效果。"


def article(rng, index):
    """(title, body Markdown, body HTML, tags) of one synthetic article."""
    topics = rng.sample(sorted(TOPICS), 2)
    words = TOPICS[topics[0]] + TOPICS[topics[1]]
    title = f"{rng.choice(TOPICS[topics[0]])}笔记 {index}：{rng.choice(TOPICS[topics[1]])}"
    paragraphs, html = [], []
    for section in range(3):
        heading = f"{rng.choice(words)}的第{section + 1}部分"
        text = "".join(_sentence(rng, words) for _ in range(rng.randint(3, 6)))
        paragraphs.append(f"## {heading}\n\n{text} 公式 $x_{section}^2$。")
        formula = f'<span class="arithmatex">\\(x_{section}^2\\)</span>'
        html.append(f'<h2 id="s{section}">{heading}</h2>\n<p>{text} 公式 {formula}。</p>')
    code = f"def step_{index}(x):\n    return x * {index % 97}"
    paragraphs.append(f"```python\n{code}\n```")
    html.append(f'<div class="highlight"><pre><code>{code}</code></pre></div>')
    tags = sorted({*topics, rng.choice(TAGS)})
    return title, "\n\n".join(paragraphs), "\n".join(html), tags


def articles(count, seed=20261129):
    rng = random.Random(seed)
    for index in range(count):
        yield article(rng, index)
